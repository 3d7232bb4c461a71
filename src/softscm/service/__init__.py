"""The service layer: wire frames and the dispatch of operations to a module."""
