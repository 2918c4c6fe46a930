"""Load and fault tooling: a load generator over the REST channel and the Slack app, the checks that nothing was
lost, doubled or reordered, the layouts it runs against, fault drills, the store's multi-writer benchmark and
the Slack acknowledgement benchmark."""
