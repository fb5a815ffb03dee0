"""Silk Road E-Commerce online lectures: series, lectures, speakers and registrations with a waiting list."""
