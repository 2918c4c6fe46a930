"""A question set over the public-domain 18F (TTS) handbook: covered questions, two-turn conversations, uncovered ones."""
