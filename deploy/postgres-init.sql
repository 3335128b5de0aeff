-- Run once by the postgres image on an empty data volume (deploy/compose.yaml): the Rasa
-- server's conversations get a database of their own beside the shop's.
CREATE DATABASE conversations OWNER shopdesk;
