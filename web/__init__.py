"""The demo storefront: a small shop whose every page carries the ``<shopdesk-chat>`` widget."""
