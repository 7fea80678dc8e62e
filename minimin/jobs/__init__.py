"""Jobs (bookings): what the user is offered, does, invoices and is paid for."""
