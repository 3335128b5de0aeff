"""Messaging channels: Telegram, WhatsApp and SMS through Twilio, Facebook Messenger, Slack.

Each platform has its own module with an input channel (Rasa's, subclassed: the webhook
authenticates its sender, answers a platform's retry once and refuses malformed bodies with
a 4xx) and an output channel that renders the bot's replies in the platform's own form.
What they share (the webhook pipeline, signatures, rendering of product cards and buttons)
is in :mod:`bot.messaging.common`. Setup: docs/channels.md.
"""
