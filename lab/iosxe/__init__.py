"""The lab's IOS-XE emulation: what a Cisco IOS-XE Map-Server serves over
NETCONF, written from Cisco's published models (the facts are in
plugins/module_utils/platforms/iosxe/models.py, which the client reads with)."""
