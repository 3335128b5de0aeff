"""Custom Rasa NLU components; each is a thin adapter over a Rasa-free library."""
