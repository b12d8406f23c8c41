// Public library surface of fichier. Each module adds its exports here as it lands.
export const VERSION = "0.1.0";
