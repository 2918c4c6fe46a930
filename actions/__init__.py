"""Custom actions for the Rasa server: thin adapters from the dialogue to the tutor's capabilities."""
from .answer import ActionAnswerQuestion, ActionHandleFallback

__all__ = ["ActionAnswerQuestion", "ActionHandleFallback"]
