"""shopdesk's custom actions, served by the rasa-sdk action server.

Each action is thin: it reads the conversation, calls a service from
:mod:`actions.services` (product index, shop database) and phrases the answer.
"""
