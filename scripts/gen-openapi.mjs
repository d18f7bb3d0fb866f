// Placeholder until the OpenAPI generator lands.
