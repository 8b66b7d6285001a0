"""Business rules. Every public function is one unit of work: it commits once or not at all."""
