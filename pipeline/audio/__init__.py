"""Audio stage: speech activity, whose speech it is, and the conversation's turns."""
