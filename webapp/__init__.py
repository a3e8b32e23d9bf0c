"""The web app: a Dutch demo customer-service page with the chat widget (rasa-webchat).

`python -m webapp` serves it (aiohttp) on WEB_PORT; scripts/services.py starts it as the
"web" service. No Rasa imports: the widget in the visitor's browser talks to the Rasa server
(RASA_PUBLIC_URL) over socket.io itself.
"""
