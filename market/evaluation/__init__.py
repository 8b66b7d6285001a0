"""Measuring the product on labelled data (`market eval-matching`, `market fit-matching`, bench/): never
imported on the request path. `corpus` maps the shared corpus's records to the product's fields; `matching`
loads a judged set into a scratch database and scores the combined ranking beside each retriever alone."""
