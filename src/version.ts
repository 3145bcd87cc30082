export var VERSION = "0.1.0";
