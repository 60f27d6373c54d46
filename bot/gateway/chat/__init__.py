"""The survivor side of the gateway: the socket protocol (docs/protocol.md)."""
