"""Test support: real local servers standing in for outside services (a Slack Web API mock, a fake Bot Framework),
test doubles implementing the product's protocols, a REST learner and workspace files for servers started by tests.
Importable by the tests and by eval's load tooling; the product never imports it."""
