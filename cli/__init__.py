"""The `tutor` command line: thin commands over the Tutor (`tutor.Tutor`), and what runs the tutor's servers
(Rasa and the action server, PostgreSQL and Redis on one host, the Slack app, the trainer console)."""
