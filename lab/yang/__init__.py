"""The virtual routers' server side of the YANG models: renderers, the
edit-config parser, announced capabilities, RPC and notification servers.

The platform adapters in plugins/module_utils/platforms/ parse what these
render; round-trip tests (tests/unit/yang) are the contract between them.
"""
