"""Use cases. Each public function takes the acting user and runs inside one transaction."""
