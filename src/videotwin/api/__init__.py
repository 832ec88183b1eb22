"""HTTP only: A2E wire schemas, auth and the envelope. No SQL, no numpy."""
