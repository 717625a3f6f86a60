/* reviewsite: small progressive enhancements; the pages work without it. */
