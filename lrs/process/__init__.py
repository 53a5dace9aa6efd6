"""The processes Weft runs as: gunicorn servers and `lrs worker`, and who runs them."""
