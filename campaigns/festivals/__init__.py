"""Online shopping festivals: time-boxed sales that staff schedule, vendors join and shoppers trust."""
