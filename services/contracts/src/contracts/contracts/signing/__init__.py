"""Review and signature: the stage actions of a version, its signers and their signatures."""
