"""The bot's own public web pages (satisfaction surveys) and the HTTP server every listener shares."""
