"""Generated record screens and REST APIs: the FAB data interface, forms, filters, history."""
