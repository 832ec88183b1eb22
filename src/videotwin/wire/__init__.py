"""A2E's wire shapes (exact spellings): request bodies, records, pages, and the presenters that turn
domain objects into them. The API answers with them and the worker's webhooks send them."""
