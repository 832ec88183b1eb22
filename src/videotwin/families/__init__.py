"""One declaration per A2E task group (families/base.py): its job kind, status words, price, record
table, input builder, presenter and routes. The API, the domain's task use cases and the worker's
webhooks all follow from these; families/index.py lists them."""
