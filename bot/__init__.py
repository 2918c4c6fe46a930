"""The Rasa side of the tutor: domain, credentials and channel connectors. Runs in the Rasa environment."""
