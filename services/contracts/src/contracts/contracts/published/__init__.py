"""What the contracts service offers the other services: service terms (metrics), queue look-ups
and claims (routing contact records), billing terms (billing): routes, service and schemas."""
