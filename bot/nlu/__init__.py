"""The project's own NLU components for Rasa's pipeline (config.yml), and the routing report.

Rasa imports this package when it loads the tutor's model, which is where the action-server replies get their
built-once schema validator (bot/action_replies.py) and the neural models load without a training step
(bot/model_loading.py)."""
from ..action_replies import install as _install_reply_validation
from ..model_loading import install as _install_model_loading

_install_reply_validation()
_install_model_loading()
