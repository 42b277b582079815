"""The composition root: builds settings, database, channels and the web app, and runs them."""
