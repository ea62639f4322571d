"""One door for data: schemas, validation, loaders, the embedded database and the sample data."""
