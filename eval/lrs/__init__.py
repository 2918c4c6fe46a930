"""Learning records against a real LRS: the no-loss drill (drill.py) and delivery throughput (throughput.py)."""
