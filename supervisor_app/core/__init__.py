"""Pure domain logic: no Qt, no SQL, no file system beyond what it is handed."""
