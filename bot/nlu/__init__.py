"""The project's own NLU components for Rasa's pipeline (config.yml), and the routing report."""
