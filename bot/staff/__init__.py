"""Staff accounts, roles, sessions and standard replies: their tables and rules. The console that uses
them runs in the gateway (bot/gateway/console/)."""
