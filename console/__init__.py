"""The support console: a web application where shop staff read, take over and review conversations.

``console.app.create_app(settings)`` builds the FastAPI application; ``shopdesk console`` serves
it. It reads Rasa's conversation store, keeps its own index and records in the shop database
(tables of ``storage.schema``), and talks to the Rasa server through its HTTP API.
"""
