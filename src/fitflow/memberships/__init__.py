"""What a member owns: unlimited memberships and drop-in passes, with freezes and cancellation."""
