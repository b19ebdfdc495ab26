"""Virtual LISP lab: simulated routers and the services they expose."""
