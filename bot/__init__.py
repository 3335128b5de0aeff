"""shopdesk's Rasa project and the Rasa-side adapters (custom NLU components, channels)."""
