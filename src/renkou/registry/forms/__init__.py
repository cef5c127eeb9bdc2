"""Forms of the register's pages (persons and households). Forms validate input only;
writes go through the services."""
