"""The staff console: accounts, sessions, and the pages and sockets support workers use."""
