"""Plain-Python business logic of the customer-service assistant (no Rasa imports here)."""
