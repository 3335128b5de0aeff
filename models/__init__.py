"""Machine-learned models (intent classifier, recommender); no Rasa, no settings reads."""
