"""Rasa input channels of the assistant (Rasa imports live here, not in `bot/`).

Registered in credentials.yml by module path:
- `channels.rest.RestInput`: Rasa's REST webhook with input validation (clear 4xx errors).
- `channels.socketio.SocketIOInput`: Rasa's socket.io channel (the web widget) with the browser
  origins restricted to CORS_ORIGINS.
"""
