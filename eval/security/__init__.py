"""Security drills against the running console (loopback only)."""
