"""`make bench`: recovery time and scale of the collection, measured on the lab."""
