"""Where files live (BlobStore), how links to them are signed, and how input URLs are fetched."""
