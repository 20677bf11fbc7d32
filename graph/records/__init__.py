"""Records: repository, filters, history, visibility of related records, serial ids."""
