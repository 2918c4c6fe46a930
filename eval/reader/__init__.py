"""The reader: training pairs from the public development sets, and the training script."""
